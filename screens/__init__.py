"""One module per wizard screen; styling in .tcss files."""
