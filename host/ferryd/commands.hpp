// The commands of ferryd's command line; main.cpp parses the options and calls one of these.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace ferry::host {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;  // also: the config is invalid
constexpr int kExitEnvironment = 3;
constexpr int kExitSignal = 130;

void print_version(std::ostream& out);
int list_plugins(const std::string& config_file);
int check_config(const std::string& config_file);
int run_task(const std::string& config_file, const std::string& task_id);
int run_daemon(const std::string& config_file);
// The migration objects of a task and the operator's operations on them (host/task/objects.hpp):
//   list [errors] | ddl KEY | set-ddl KEY FILE | retry KEY... | retry-failed | skip KEY... |
//   remove KEY... | export-schema
// They hold the data directory like --run, so they are refused while the task runs.
int object_command(const std::string& config_file, const std::string& task_id,
                   const std::vector<std::string>& args);

}  // namespace ferry::host
