"""Matchmaking events (供需对接会, issue #10): staff invite enterprises and pool providers, a Celery
job suggests pairings for every participant, staff record meetings and outcomes, export the
pairings and follow the event's funnel."""
