"""Change requests: a verified enterprise's new name, USCC, district or park waits for the bureau."""
