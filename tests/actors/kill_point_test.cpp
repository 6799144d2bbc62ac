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
  CHECK(exit_code_of([] { ::_exit(bfd::arm_kill_point("store-recovered:1") ? 0 : 1); }) == 0);
  CHECK(exit_code_of([] { ::_exit(bfd::arm_kill_point("signing-record-read:4") ? 0 : 1); }) == 0);
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

TEST_CASE("the recovery sites are told apart from the commit and signing sites") {
  using bfd::kill_site;
  for (auto s : {kill_site::store_recovered, kill_site::store_opened, kill_site::chain_restored,
                 kill_site::justification_restored, kill_site::signing_record_read})
    CHECK(bfd::is_recovery_site(s));
  for (auto s : {kill_site::vote_saved, kill_site::block_saved, kill_site::vote_counted, kill_site::before_commit,
                 kill_site::after_commit, kill_site::before_justification, kill_site::after_justification,
                 kill_site::marker_tmp_synced, kill_site::marker_renamed})
    CHECK_FALSE(bfd::is_recovery_site(s));
  CHECK(bfd::kill_site_name(kill_site::signing_record_read) == "signing-record-read");
  CHECK(bfd::kill_site_name(kill_site::store_recovered) == "store-recovered");
}

TEST_CASE("an armed recovery site ends the process on its hit") {
  CHECK(exit_code_of([] {
          (void) bfd::arm_kill_point("chain-restored:1");
          bfd::kill_point(bfd::kill_site::store_opened);
          bfd::kill_point(bfd::kill_site::chain_restored);
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
