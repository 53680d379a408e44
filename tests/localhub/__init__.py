"""A Hugging Face Hub on 127.0.0.1 for the `localhub` tests: the server, its repositories, the online worker."""
