// smdctl: the command-line client of the smd server. See clients/cli/commands.h for the
// exit codes and docs/cli.md for the commands.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--version" || args[0] == "version")) {
    std::cout << "smdctl " << SMD_VERSION << "\n";
    return 0;
  }
  return smdctl::Run(args, std::cout, std::cerr, std::cin);
}
