"""What tenderwatch serves over HTTP: the saved-search API (`tenderwatch.web.api`) and, next, the web app
for freelancers. Above the consumers (it reads their stores), below the shell."""
