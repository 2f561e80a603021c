"""Instructor tools for Backprop by Hand: release chapters and grade submissions."""
