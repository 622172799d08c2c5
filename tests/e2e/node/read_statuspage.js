// Reads a Statuspage-format page with the statuspage.io client from npm, unchanged but for its base URL (the
// client is built for https://<page id>.statuspage.io). Prints what it read as JSON. Usage: node read_statuspage.js <page URL>
const { Statuspage } = require("statuspage.io");

async function main() {
  const client = new Statuspage("flare");
  client.setApiUrl(process.argv[2]);
  const read = {
    summary: await client.api.getSummary(),
    status: await client.api.getStatus(),
    components: await client.api.getComponents(),
    incidents: await client.api.incidents.getAll(),
    unresolved: await client.api.incidents.getUnresolved(),
    maintenances: await client.api.scheduledMaintenances.getAll(),
    upcoming: await client.api.scheduledMaintenances.getUpcoming(),
  };
  process.stdout.write(JSON.stringify(read));
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
