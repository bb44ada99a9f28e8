"""AWS adapters implementing the core's Protocols. Each takes an injectable boto3 client."""
