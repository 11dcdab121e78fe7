// ferryd — the ferry daemon. The command-line contract scripts rely on (design.md, last section):
//   ferryd --config FILE                 run the daemon
//   ferryd --config FILE --check-config  validate; exit 0, or 2 with FILE:LINE:COL: message lines
//   ferryd --config FILE --list-plugins  each plugin's name, version, kinds and ABI version
//   ferryd --config FILE --run TASK_ID   run one task in the foreground
//   ferryd --config FILE --objects TASK_ID [OP ARGS...]  a task's migration objects: list,
//                                        view/edit DDL, retry, skip, remove, export the schema
//   ferryd --config FILE --release TASK_ID  drop what the task holds on its source (a
//                                        PostgreSQL slot and publication); see release.hpp
// Exit codes: 0 ok; 1 the task failed / a plugin was refused; 2 bad config or usage;
// 3 the environment (data directory in use, unreadable); 130 stopped by a signal.
#include "ferryd/commands.hpp"
#include "ferryd/release.hpp"

#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  po::options_description opts("ferryd options");
  opts.add_options()("help,h", "print this help and exit")(
      "version", "print the version and the plugin ABI, and exit")(
      "config,c", po::value<std::string>(), "the daemon config file (TOML)")(
      "check-config", "validate the config (and every task's stage graph), then exit")(
      "list-plugins", "list the plugins in the configured plugin directory, then exit")(
      "run", po::value<std::string>(), "run task TASK_ID in the foreground until it is done")(
      "objects", po::value<std::string>(),
      "TASK_ID's migration objects, then OP: list [errors] | ddl KEY | set-ddl KEY FILE | retry "
      "KEY... | retry-failed | skip KEY... | remove KEY... | export-schema")(
      "release", po::value<std::string>(),
      "drop what task TASK_ID holds on its source database (a PostgreSQL replication slot and "
      "the publication ferry created), then mark it Released")(
      "args", po::value<std::vector<std::string>>()->multitoken(), "operation arguments");
  po::positional_options_description positional;
  positional.add("args", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "ferryd: " << e.what() << "\n(see ferryd --help)\n";
    return ferry::host::kExitUsage;
  }
  if (vm.count("help")) {
    std::cout
        << "Usage: ferryd --config FILE [--check-config | --list-plugins | --run TASK_ID |\n"
           "                            --objects TASK_ID [OP ARGS...] | --release TASK_ID]\n\n"
        << opts
        << "\nExit codes: 0 ok, 1 task failed or plugin refused, 2 bad config or "
           "usage, 3 environment (data directory in use), 130 stopped by a signal.\n";
    return 0;
  }
  if (vm.count("version")) {
    ferry::host::print_version(std::cout);
    return 0;
  }
  if (!vm.count("config")) {
    std::cerr << "ferryd: --config FILE is required (see ferryd --help)\n";
    return ferry::host::kExitUsage;
  }
  const int modes = static_cast<int>(vm.count("check-config") + vm.count("list-plugins") +
                                     vm.count("run") + vm.count("objects") + vm.count("release"));
  if (modes > 1) {
    std::cerr << "ferryd: --check-config, --list-plugins, --run, --objects and --release exclude "
                 "each other\n";
    return ferry::host::kExitUsage;
  }
  const std::string config = vm["config"].as<std::string>();
  try {
    if (vm.count("list-plugins")) return ferry::host::list_plugins(config);
    if (vm.count("check-config")) return ferry::host::check_config(config);
    if (vm.count("run")) return ferry::host::run_task(config, vm["run"].as<std::string>());
    const auto args =
        vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>{};
    if (vm.count("objects")) {
      return ferry::host::object_command(config, vm["objects"].as<std::string>(), args);
    }
    if (vm.count("release") && args.empty()) {
      return ferry::host::release_task(config, vm["release"].as<std::string>());
    }
    if (!args.empty()) {
      std::cerr << "ferryd: unexpected argument '" << args[0] << "' (see ferryd --help)\n";
      return ferry::host::kExitUsage;
    }
    return ferry::host::run_daemon(config);
  } catch (const std::exception& e) {
    std::cerr << "ferryd: unexpected error: " << e.what() << "\n";
    return ferry::host::kExitFailed;
  }
}
