from hlkb.cli import main

main()
