"""The web side, in the bot's own process: an aiohttp server (server.py) started and stopped
with the platforms, signed single-use login links and idle-expiring sessions (access.py),
security headers, CSRF and error pages (middleware.py), the route registry features add
their pages to (routes.py), templates with the bot's own catalogs (pages.py) and SVG charts
(svg.py). The pages themselves are features: handlers/dashboard/, handlers/catalogue/."""
