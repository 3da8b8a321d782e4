def test_startup(dovecot):
    print("STARTUP", round(dovecot.startup_seconds, 3))
