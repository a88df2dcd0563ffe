"""What tenderwatch serves over HTTP (`tenderwatch.web.app.create_app`): the saved-search API
and the freelancers' web pages, one router per module. Above the consumers (it reads their
stores and repositories), below the shell; it never imports the crawler."""
