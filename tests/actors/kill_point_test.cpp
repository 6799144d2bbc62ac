// Kill points (actors/kill_point.hpp): what --kill-point accepts, and that only the armed site's
// N-th hit ends the process, with code 137 (checked in forked children).
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "actors/kill_point.hpp"

namespace {

/// Runs `body` in a forked child; its exit code (-1 if it did not exit normally).
template <class Body>
int exit_code_of(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

TEST_CASE("--kill-point takes SITE:N with a known site and N of at least 1") {
  // Each check in a child: arming is process-wide.
  CHECK(exit_code_of([] { ::_exit(bfd::arm_kill_point("vote-saved:3") ? 0 : 1); }) == 0);
  CHECK(exit_code_of([] { ::_exit(bfd::arm_kill_point("after-justification:1") ? 0 : 1); }) == 0);
  for (const char* bad : {"vote-saved", "vote-saved:0", "vote-saved:3x", "vote-saved:", "nowhere:1", ":2", ""}) {
    CAPTURE(bad);
    const auto st = bfd::arm_kill_point(bad);
    CHECK_FALSE(st);
    CHECK(st.error().detail.find("before-commit") != std::string::npos);  // the message lists the sites
  }
}

TEST_CASE("an armed kill point ends the process with code 137 on its N-th hit, not before") {
  CHECK(exit_code_of([] {
          (void) bfd::arm_kill_point("before-commit:3");
          bfd::kill_point(bfd::kill_site::before_commit);
          bfd::kill_point(bfd::kill_site::after_commit);  // another site: not counted
          bfd::kill_point(bfd::kill_site::before_commit);
          ::_exit(5);  // reached: two hits so far
        })
        == 5);
  CHECK(exit_code_of([] {
          (void) bfd::arm_kill_point("before-commit:3");
          for (int i = 0; i < 3; ++i)
            bfd::kill_point(bfd::kill_site::before_commit);
          ::_exit(5);
        })
        == 137);
}

TEST_CASE("an unarmed kill point does nothing") {
  CHECK(exit_code_of([] {
          for (int i = 0; i < 1000; ++i)
            bfd::kill_point(bfd::kill_site::vote_saved);
          ::_exit(0);
        })
        == 0);
}
