"""What is asked: the item bank (YAML data files), its model and validation, and the platform exporters."""
