from disputekit.run.cli import main

main()
