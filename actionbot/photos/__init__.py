"""Photo reports: untrusted bytes in, a clean JPEG out (no metadata, faces blurred on
request), written to disk only after cleaning. CPU work: callers run it in a thread."""
