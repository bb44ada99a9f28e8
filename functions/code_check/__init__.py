"""Code check function (CodeCheckFunction): the official types the control code the resident read aloud."""
