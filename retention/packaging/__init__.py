"""Packages of records for transfer and accession (`export_records --format bagit`, and the
package a `transfer` disposition validates before it destroys anything)."""
