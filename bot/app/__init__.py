"""The App front: webhook intake, event routing and the review pipeline."""
