"""Data-subject request services, one module per sub-domain: `requests` (intake, search,
confirmation, closing), `export` (access and portability), `erasure`. Import from the
submodules."""
