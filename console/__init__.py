"""The mcv console: the only package that imports Qt."""
