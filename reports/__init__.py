"""How results are shown: renders a results folder (JSON + CSV) to HTML, Markdown and XLSX.

This package never imports :mod:`analysis`.
"""
