#include "runtime/durable_file.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace bfd::runtime {

status write_file_durably(const std::filesystem::path& file, std::string_view text, mode_t mode) {
  const auto tmp = std::filesystem::path(file.string() + ".tmp");
  const auto fail = [&](const char* what) {
    return make_error(errc::io, fmt::format("{}: {}: {}", tmp.string(), what, std::strerror(errno)));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return fail("open");
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      auto e = fail("write");
      ::close(fd);
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = fail("fsync");
    ::close(fd);
    return e;
  }
  ::close(fd);
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec)
    return make_error(errc::io, fmt::format("rename {} to {}: {}", tmp.string(), file.string(), ec.message()));
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

} // namespace bfd::runtime
