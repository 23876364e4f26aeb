"""Model APIs: providers over httpx, the offline simulator, rate limits, retries and the call ledger."""
