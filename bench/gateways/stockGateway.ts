/**
 * The baseline: stock @apollo/gateway + @apollo/server with default settings (the gateway's
 * default data sources and fetcher, Apollo Server's standalone HTTP server), over a supergraph file.
 *
 *   node --import tsx bench/gateways/stockGateway.ts <supergraph file> <port>
 * (bench/gateways.ts runs it compiled by esbuild to .cache/bench/stockGateway.mjs, plain node)
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [path, port] = process.argv.slice(2);
if (!path || !port) {
  console.error('usage: stockGateway.ts <supergraph file> <port>');
  process.exit(2);
}
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(path, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
console.log(`stock gateway at ${url}`);
