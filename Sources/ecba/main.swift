import ArgumentParser
import ECBACommands

ECBA.main()
