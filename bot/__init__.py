"""A multilingual community facilitator for a learning academy."""
