"""Demo data: ``helpwire demo`` loads a Russian-speaking support team with its clients and
tickets, and ``helpwire demo --tickets N`` adds N more for load tests (see ``loader``)."""
