#include "genai/dist/world.h"

#include <gtest/gtest.h>

#include <map>

#include "genai/error.h"

namespace genai::dist {
namespace {

Environment env(std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

std::string usage_error(const Environment& environment) {
  try {
    detect_world(environment);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(World, NoLauncherIsOneProcess) {
  const World world = detect_world(env({{"HOME", "/root"}, {"SLURM_JOB_ID", "7"}}));
  EXPECT_FALSE(world.distributed());
  EXPECT_EQ(world.world_size, 1);
  EXPECT_EQ(world.describe(), "one process");
}

TEST(World, TorchrunsVariables) {
  const World world = detect_world(env({{"RANK", "3"},
                                        {"WORLD_SIZE", "8"},
                                        {"LOCAL_RANK", "1"},
                                        {"LOCAL_WORLD_SIZE", "2"},
                                        {"MASTER_ADDR", "node7"},
                                        {"MASTER_PORT", "29400"},
                                        {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                        {"GLOO_SOCKET_IFNAME", "eth1"}}));
  EXPECT_TRUE(world.distributed());
  EXPECT_EQ(world.launcher, "torchrun");
  EXPECT_EQ(world.rank, 3);
  EXPECT_EQ(world.world_size, 8);
  EXPECT_EQ(world.local_rank, 1);
  EXPECT_EQ(world.local_world_size, 2);
  EXPECT_EQ(world.master_addr, "node7");
  EXPECT_EQ(world.master_port, 29400);
  EXPECT_TRUE(world.store_served_by_launcher);
  EXPECT_EQ(world.network_interface, "eth1");
  EXPECT_FALSE(world.leader());
  EXPECT_EQ(world.describe(), "rank 3 of 8 (local 1 of 2, torchrun, store node7:29400)");
}

TEST(World, PlainEnvironmentVariablesWithoutTheAgentStore) {
  const World world = detect_world(env({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "1234"}}));
  EXPECT_FALSE(world.store_served_by_launcher);
  EXPECT_TRUE(world.leader());
  EXPECT_EQ(world.local_rank, 0);
  EXPECT_EQ(world.local_world_size, 2);  // without LOCAL_WORLD_SIZE: all on this machine
}

TEST(World, InconsistentTorchrunVariablesNameTheVariableAndTheFix) {
  EXPECT_NE(usage_error(env({{"RANK", "0"}})).find("RANK is set but WORLD_SIZE is not"), std::string::npos);
  EXPECT_NE(usage_error(env({{"WORLD_SIZE", "2"}})).find("WORLD_SIZE is set but RANK is not"), std::string::npos);
  EXPECT_NE(usage_error(env({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}})).find("MASTER_ADDR is not"), std::string::npos);
  EXPECT_NE(usage_error(env({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}})).find("MASTER_PORT is not"), std::string::npos);
  EXPECT_NE(usage_error(env({{"RANK", "x"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}})).find("RANK=x is not a whole number"),
            std::string::npos);
  EXPECT_NE(usage_error(env({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "70000"}})).find("MASTER_PORT=70000"),
            std::string::npos);
  EXPECT_NE(usage_error(env({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}}))
                .find("RANK=2 is outside the world of WORLD_SIZE=2 processes; ranks run from 0 to 1"),
            std::string::npos);
  EXPECT_NE(usage_error(
                env({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "2"}, {"LOCAL_WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}}))
                .find("local rank 2 is outside"),
            std::string::npos);
}

TEST(World, SrunsVariables) {
  const World world = detect_world(env({{"SLURM_PROCID", "5"},
                                        {"SLURM_NTASKS", "6"},
                                        {"SLURM_LOCALID", "1"},
                                        {"SLURM_NODEID", "2"},
                                        {"SLURM_STEP_TASKS_PER_NODE", "2(x2),2"},
                                        {"SLURM_STEP_NODELIST", "gpu[007-009]"},
                                        {"SLURM_JOB_ID", "123456"}}));
  EXPECT_EQ(world.launcher, "slurm");
  EXPECT_EQ(world.rank, 5);
  EXPECT_EQ(world.world_size, 6);
  EXPECT_EQ(world.local_rank, 1);
  EXPECT_EQ(world.local_world_size, 2);
  EXPECT_EQ(world.master_addr, "gpu007");
  EXPECT_EQ(world.master_port, 20000 + 123456 % 20000);
  EXPECT_FALSE(world.store_served_by_launcher);
}

TEST(World, SlurmsMasterAddrAndPortWinWhenTheBatchScriptSetsThem) {
  const World world = detect_world(env({{"SLURM_PROCID", "0"},
                                        {"SLURM_NTASKS", "2"},
                                        {"SLURM_JOB_NODELIST", "a1,b2"},
                                        {"SLURM_JOB_ID", "9"},
                                        {"MASTER_ADDR", "10.0.0.1"},
                                        {"MASTER_PORT", "31000"}}));
  EXPECT_EQ(world.master_addr, "10.0.0.1");
  EXPECT_EQ(world.master_port, 31000);
  EXPECT_EQ(world.local_world_size, 1);  // no tasks-per-node variable: one per node
}

TEST(World, ABatchScriptOfOneTaskIsOneProcess) {
  EXPECT_FALSE(detect_world(env({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"SLURM_JOB_ID", "9"}})).distributed());
}

TEST(World, FirstHostOfASlurmNodeList) {
  EXPECT_EQ(first_host("gpu[003-005,9],login1"), "gpu003");
  EXPECT_EQ(first_host("a1,b2"), "a1");
  EXPECT_EQ(first_host("node17"), "node17");
  EXPECT_EQ(first_host("rack[2-3]-n[01-04]"), "rack2-n01");
}

TEST(World, TasksOnANodeFromSlurmsCompactForm) {
  EXPECT_EQ(tasks_on_node("2(x3),1", 0), 2);
  EXPECT_EQ(tasks_on_node("2(x3),1", 2), 2);
  EXPECT_EQ(tasks_on_node("2(x3),1", 3), 1);
  EXPECT_EQ(tasks_on_node("2(x3),1", 4), 0);
  EXPECT_EQ(tasks_on_node("4", 0), 4);
  EXPECT_EQ(tasks_on_node("", 0), 0);
  EXPECT_EQ(tasks_on_node("x", 0), 0);
}

}  // namespace
}  // namespace genai::dist
