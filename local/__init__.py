"""Docker-free local stack: template.yaml's functions, routes and table run in one Python process.

`sam local` needs Docker, which these machines do not have; this package gives the same two
entry points (`python -m local.server` ~ `sam local start-api`, `python -m local.invoke` ~
`sam local invoke`) with moto as the embedded DynamoDB. Everything it serves is read from
template.yaml, so a route or table change there is picked up without touching this package.
"""
