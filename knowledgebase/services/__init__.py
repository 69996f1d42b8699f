"""Writes of the knowledge base, one module per entity: analysis (the extract_keywords job),
search_index, taxonomy, tags, articles, trends (the rollup_trends job)."""
