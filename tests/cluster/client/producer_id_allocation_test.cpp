// Claims about KIP-730 producer id blocks on the controller side: the ProducerIdsRecord
// codec, its replay into the image (and snapshots), and ControllerLogic handing out
// blocks that never overlap.
#include <gtest/gtest.h>

#include "cluster/controller/controller_logic.h"
#include "cluster/controller/metadata_records.h"
#include "cluster/controller/metadata_replay.h"

namespace samsa::cluster::controller {
namespace {

MetadataImage image_with_broker(BrokerId id, BrokerEpoch epoch) {
  MetadataImage image;
  replay_into(image, RegisterBrokerRecord{id, sim::NodeId(7), epoch, 1}, 1);
  return image;
}

TEST(ProducerIdAllocation, AProducerIdsRecordRoundTripsThroughTheCodec) {
  const MetadataRecord record = ProducerIdsRecord{BrokerId(2), BrokerEpoch(5), 3000};
  auto decoded = decode_record(encode_record(record));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), record);
  EXPECT_EQ(describe(record), "ProducerIds(broker=2 epoch=5 next_producer_id=3000)");
}

TEST(ProducerIdAllocation, ReplayMovesNextProducerIdAndSnapshotsKeepIt) {
  MetadataImage image = image_with_broker(BrokerId(1), BrokerEpoch(1));
  EXPECT_EQ(image.next_producer_id(), 0);
  replay_into(image, ProducerIdsRecord{BrokerId(1), BrokerEpoch(1), 1000}, 2);
  EXPECT_EQ(image.next_producer_id(), 1000);
  MetadataImage restored;
  ASSERT_TRUE(restored.apply(snapshot_delta(snapshot_records(image), image.version())));
  EXPECT_EQ(restored.next_producer_id(), 1000);
}

TEST(ProducerIdAllocation, SuccessiveBlocksForAnyBrokersNeverOverlap) {
  MetadataImage image = image_with_broker(BrokerId(1), BrokerEpoch(1));
  replay_into(image, RegisterBrokerRecord{BrokerId(2), sim::NodeId(8), BrokerEpoch(2), 1}, 2);
  ControllerLogic logic(ControllerConfig{}, image, sim::SimTime{});
  AllocateProducerIdsRequest first;
  first.broker_id = BrokerId(1);
  first.broker_epoch = BrokerEpoch(1);
  AllocateProducerIdsRequest second;
  second.broker_id = BrokerId(2);
  second.broker_epoch = BrokerEpoch(2);
  const auto a = logic.allocate_producer_ids(first);
  const auto b = logic.allocate_producer_ids(second);
  const auto c = logic.allocate_producer_ids(first);
  ASSERT_EQ(a.response.error, ErrorCode::kNone);
  EXPECT_EQ(a.records.size(), 1U);
  EXPECT_EQ(a.response.producer_id_start, 0);
  EXPECT_EQ(b.response.producer_id_start,
            a.response.producer_id_start + a.response.producer_id_len);
  EXPECT_EQ(c.response.producer_id_start,
            b.response.producer_id_start + b.response.producer_id_len);
  EXPECT_EQ(logic.image().next_producer_id(),
            c.response.producer_id_start + c.response.producer_id_len);
}

TEST(ProducerIdAllocation, AStaleBrokerEpochGetsNoBlockAndWritesNoRecord) {
  ControllerLogic logic(ControllerConfig{}, image_with_broker(BrokerId(1), BrokerEpoch(4)),
                        sim::SimTime{});
  AllocateProducerIdsRequest request;
  request.broker_id = BrokerId(1);
  request.broker_epoch = BrokerEpoch(3);
  const auto result = logic.allocate_producer_ids(request);
  EXPECT_EQ(result.response.error, ErrorCode::kStaleBrokerEpoch);
  EXPECT_TRUE(result.records.empty());
  EXPECT_EQ(logic.image().next_producer_id(), 0);
}

}  // namespace
}  // namespace samsa::cluster::controller
