// The doctest runner shared by every unit-test binary. The tests' HTTP clients write to servers
// that may close a connection mid-request (a 413 before the whole body is sent): SIGPIPE is
// ignored, as in bfd-node and the tools, so the write fails with EPIPE instead of killing the run.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  return doctest::Context(argc, argv).run();
}
