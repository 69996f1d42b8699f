"""Reads of the knowledge base: search, articles, insights, trends, agents."""
