"""Tests of the automation worker."""
