"""Writing chats, one module per concern: `import_batch` (one transaction of validated chats),
`import_stream` (files and converted units in batches), `import_pool` (worker processes),
`country_reinference`, `idle_closing`. Callers import from the submodule."""
