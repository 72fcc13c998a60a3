"""The GitHub edge: authentication, a careful client, fetching facts and publishing results."""
