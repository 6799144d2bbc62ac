#include "runtime/key_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "chains/core/hex.hpp"

namespace bfd::runtime {

std::string key_file_json(const key_pair& keys) {
  nlohmann::ordered_json j;
  j["format"] = "bfd-key-1";
  j["secret_key"] = to_hex(keys.secret);
  j["public_key"] = to_hex(keys.pub);
  j["address"] = format_address(address_of(keys.pub));
  return j.dump(2) + "\n";
}

status write_key_file(const std::string& path, const key_pair& keys) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return make_error(errc::io, path + ": " + std::strerror(errno));
  auto text = key_file_json(keys);
  auto written = ::write(fd, text.data(), text.size());
  bool ok = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok)
    return make_error(errc::io, path + ": write failed");
  return {};
}

status write_private_file(const std::string& path, const std::string& text, existing_file mode) {
  const auto target = mode == existing_file::refuse ? path : path + ".tmp";
  if (mode == existing_file::replace)
    ::unlink(target.c_str());
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return make_error(errc::io, target + ": " + std::strerror(errno));
  auto written = ::write(fd, text.data(), text.size());
  bool ok = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok)
    return make_error(errc::io, target + ": write failed");
  if (mode == existing_file::replace && ::rename(target.c_str(), path.c_str()) != 0)
    return make_error(errc::io, path + ": " + std::strerror(errno));
  return {};
}

result<key_pair> read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return make_error(errc::io, path + ": " + std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  auto j = nlohmann::json::parse(buf.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(errc::invalid_argument, path + ": not a JSON object");
  auto field = [&](const char* name) -> std::string {
    auto i = j.find(name);
    return i != j.end() && i->is_string() ? i->get<std::string>() : std::string{};
  };
  if (field("format") != "bfd-key-1")
    return make_error(errc::invalid_argument, path + ": \"format\" must be \"bfd-key-1\"");
  auto secret = fixed_from_hex<32>(field("secret_key"));
  if (!secret)
    return make_error(errc::bad_secret_key, path + ": secret_key: " + secret.error().detail);
  auto keys = key_pair_from_secret(*secret);
  if (!keys)
    return make_error(errc::bad_secret_key, path + ": " + keys.error().detail);
  if (field("public_key") != to_hex(keys->pub))
    return make_error(errc::bad_secret_key, path + ": public_key does not belong to secret_key");
  if (field("address") != format_address(address_of(keys->pub)))
    return make_error(errc::bad_secret_key, path + ": address does not belong to secret_key");
  return keys;
}

} // namespace bfd::runtime
