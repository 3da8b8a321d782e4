from helpwire.cli import main

main()
