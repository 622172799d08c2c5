"""What leaves Flare through AWS besides the table: the EventBridge bus every event is put on (`bus`) and the FIFO
queue of outbound deliveries, one message per webhook delivery or Slack post (`queue`). Like the store, the only
code that talks to those services; features reach it through their ports."""
