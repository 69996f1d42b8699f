"""Read-only OData v4 feed under /odata/ (R-API-2) for BI tools and OData clients.

Entity sets are declared in entities.py (one EntitySet each: properties with their Edm types,
the queryset, the roles that may read it). query.py turns the system query options into a
queryset; csdl.py writes $metadata; views.py serves the service document, $metadata, the
collections, single entities and /$count. Nothing here writes.
"""
