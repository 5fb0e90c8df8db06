// The mops API server on a free loopback port, in a thread of the test, for
// route tests: real HTTP, real token checks, the routes a test installs.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <future>
#include <string>
#include <thread>

#include "http/http.h"
#include "tests/support/free_port.h"

namespace mops::test_support {

class TestServer {
 public:
  // Serves `workspace` with the routes `install` adds; returns once listening.
  TestServer(const std::string& workspace, const std::function<void(http::Router&)>& install) {
    install(router_);
    http::ServerOptions options;
    options.port = FreePort();
    options.workspace = workspace;
    options.threads = 2;
    options.access_log = false;
    port_ = options.port;
    std::promise<std::function<void()>> stopper;
    options.on_listening = [&stopper](const std::string&, std::function<void()> stop) {
      stopper.set_value(std::move(stop));
    };
    thread_ = std::thread([this, options] { result_.set_value(http::Serve(options, router_)); });
    stop_ = stopper.get_future().get();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  // Stops the server (draining requests) and expects a clean exit.
  ~TestServer() {
    stop_();
    thread_.join();
    const core::Status status = result_.get_future().get();
    EXPECT_TRUE(status.has_value()) << status.error().ToString();
  }

  int port() const { return port_; }

 private:
  http::Router router_;
  int port_ = 0;
  std::promise<core::Status> result_;
  std::thread thread_;
  std::function<void()> stop_;
};

}  // namespace mops::test_support
