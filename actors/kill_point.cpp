#include "actors/kill_point.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>

namespace bfd {

namespace {

constexpr std::array<std::string_view, 14> site_names{
  // Commit and signing paths.
  "vote-saved", "block-saved", "vote-counted", "before-commit", "after-commit", "before-justification",
  "after-justification", "marker-tmp-synced", "marker-renamed",
  // Recovery.
  "store-recovered", "store-opened", "chain-restored", "justification-restored", "signing-record-read",
};

constexpr int disarmed = -1;
std::atomic<int> armed_site{disarmed};
std::atomic<std::uint64_t> hits_left{0};

} // namespace

std::string_view kill_site_name(kill_site site) {
  return site_names[static_cast<std::size_t>(site)];
}

bool is_recovery_site(kill_site site) {
  return site >= kill_site::store_recovered;
}

status arm_kill_point(std::string_view spec) {
  const auto colon = spec.rfind(':');
  const auto name = spec.substr(0, colon == std::string_view::npos ? spec.size() : colon);
  std::uint64_t n = 0;
  if (colon != std::string_view::npos) {
    const auto digits = spec.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size())
      n = 0;
  }
  std::string known;
  for (std::size_t i = 0; i < site_names.size(); ++i) {
    if (site_names[i] == name && n > 0) {
      hits_left.store(n);
      armed_site.store(static_cast<int>(i));
      return {};
    }
    known += (i ? ", " : "") + std::string(site_names[i]);
  }
  return make_error(errc::malformed, "--kill-point: expected SITE:N with N >= 1 and SITE one of " + known + "; got '"
                                       + std::string(spec) + "'");
}

void kill_point(kill_site site) {
  if (armed_site.load(std::memory_order_relaxed) != static_cast<int>(site))
    return;
  if (hits_left.fetch_sub(1) != 1)
    return;
  // One write(2) so a test can tell this exit from any other; nothing buffered is flushed.
  std::string line = "kill point " + std::string(kill_site_name(site)) + " hit: exiting\n";
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
  ::_exit(137);
}

} // namespace bfd
