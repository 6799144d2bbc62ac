// Child bfd-node processes (node_processes.hpp).
#include "tools/bfd-bench/node_processes.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace bfd::bench::detail {

std::atomic<bool> interrupted{false};

namespace {

struct sigaction old_int_action, old_term_action;

void on_interrupt(int) {
  interrupted.store(true);
}

} // namespace

interrupt_guard::interrupt_guard() {
  interrupted = false;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_int_action);
  ::sigaction(SIGTERM, &sa, &old_term_action);
}

interrupt_guard::~interrupt_guard() {
  ::sigaction(SIGINT, &old_int_action, nullptr);
  ::sigaction(SIGTERM, &old_term_action, nullptr);
}

result<std::vector<std::uint16_t>> free_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  auto close_all = [&] {
    for (int fd : fds)
      ::close(fd);
  };
  for (std::size_t i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      close_all();
      return make_error(errc::io, fmt::format("socket: {}", std::strerror(errno)));
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close_all();
      return make_error(errc::io, fmt::format("cannot find a free port on 127.0.0.1: {}", std::strerror(errno)));
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  close_all();
  return ports;
}

std::string sibling_binary(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    return name;
  return (self.parent_path() / name).string();
}

node_processes::~node_processes() {
  stop_all();
}

result<std::size_t> node_processes::start(const std::string& name, const std::string& binary,
                                          const std::vector<std::string>& args, const std::string& log) {
  if (::access(binary.c_str(), X_OK) != 0)
    return make_error(errc::io, fmt::format("{} is not an executable: {} (give its path with --node-bin)", binary,
                                            std::strerror(errno)));
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> all{binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(errc::io, fmt::format("cannot open {}: {}", log, std::strerror(errno)));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    return make_error(errc::io, fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // The node dies with the bench, even when the bench is killed with SIGKILL.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fd);
  children_.push_back({pid, name, log, true});
  return children_.size() - 1;
}

void node_processes::stop_all(std::uint32_t grace_ms) {
  for (auto& c : children_)
    if (c.running)
      ::kill(c.pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  for (auto& c : children_) {
    while (c.running) {
      int status = 0;
      const pid_t r = ::waitpid(c.pid, &status, WNOHANG);
      if (r == c.pid || r < 0) {
        c.running = false;
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(c.pid, SIGKILL);
        ::waitpid(c.pid, &status, 0);
        c.running = false;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

bool node_processes::any_exited(std::string& what) {
  for (auto& c : children_) {
    if (!c.running)
      continue;
    int status = 0;
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
      c.running = false;
      what = WIFEXITED(status) ? fmt::format("{} exited with code {}", c.name, WEXITSTATUS(status))
                               : fmt::format("{} ended by signal {}", c.name, WTERMSIG(status));
      return true;
    }
  }
  return false;
}

double node_processes::cpu_seconds() const {
  double total = 0;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  for (const auto& c : children_) {
    if (!c.running)
      continue;
    std::ifstream in(fmt::format("/proc/{}/stat", c.pid));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces, so start after its ')'): utime is the
    // 14th field of the line, stime the 15th.
    const auto close = text.rfind(')');
    if (close == std::string::npos)
      continue;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int k = 3; k <= 15 && rest >> field; ++k) {
      if (k == 14)
        utime = std::stod(field);
      if (k == 15)
        stime = std::stod(field);
    }
    total += (utime + stime) / tick;
  }
  return total;
}

void node_processes::reset_peak_rss() const {
  for (const auto& c : children_)
    if (c.running) {
      std::ofstream out(fmt::format("/proc/{}/clear_refs", c.pid));
      out << "5";
    }
}

std::vector<double> node_processes::peak_rss_mb() const {
  std::vector<double> out;
  for (const auto& c : children_) {
    double mb = 0;
    if (c.running) {
      std::ifstream in(fmt::format("/proc/{}/status", c.pid));
      std::string line;
      while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
          mb = std::stod(line.substr(6)) / 1024.0;  // reported in kB
    }
    out.push_back(mb);
  }
  return out;
}

std::string node_processes::log_tails(std::size_t lines) const {
  std::string out;
  for (const auto& c : children_) {
    std::ifstream in(c.log);
    std::deque<std::string> last;
    std::string line;
    while (std::getline(in, line)) {
      last.push_back(line);
      if (last.size() > lines)
        last.pop_front();
    }
    out += fmt::format("--- {}\n", c.log);
    for (const auto& l : last)
      out += l + "\n";
  }
  return out;
}

} // namespace bfd::bench::detail
