"""Pictures and HTML: charts, notebook HTML, evidence images."""
