"""BlueTrail (www.bluetrail.nl, Bconnect before; the Circle8 group): an interim and ICT
marketplace whose listings name public bodies among their end clients; read through its job
sitemap and each page's JobPosting JSON-LD and "In het kort" table
(`shared/sources/bluetrail.md`)."""
