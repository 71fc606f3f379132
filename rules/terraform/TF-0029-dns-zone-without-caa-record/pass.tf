resource "digitalocean_domain" "main" {
  name = "engelbrink.dev"
}

resource "digitalocean_record" "caa" {
  domain = digitalocean_domain.main.id
  type   = "CAA"
  name   = "@"
  value  = "letsencrypt.org."
  flags  = 0
  tag    = "issue"
}

resource "aws_route53_zone" "shop" {
  name = "shop.example.com"
}

resource "aws_route53_record" "caa" {
  zone_id = aws_route53_zone.shop.zone_id
  name    = ""
  type    = "CAA"
  ttl     = 3600
  records = ["0 issue \"amazon.com\""]
}
