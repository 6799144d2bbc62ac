// bfd-sim: placeholder until its issue lands; prints its help.
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"bfd-sim (not implemented yet)"};
  CLI11_PARSE(app, argc, argv);
  return 0;
}
