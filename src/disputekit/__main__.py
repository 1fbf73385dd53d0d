from disputekit.cli import main

main()
