# Associations by count over a splat of the subnets' ids.
resource "aws_subnet" "db" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index + 50)
}

resource "aws_db_subnet_group" "orders" {
  name       = "orders"
  subnet_ids = aws_subnet.db[*].id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  route {
    ipv6_cidr_block        = "::/0"
    egress_only_gateway_id = aws_egress_only_internet_gateway.eigw.id # expect: TF-0026
  }
}

resource "aws_route_table_association" "db" {
  count          = length(aws_subnet.db)
  subnet_id      = element(aws_subnet.db[*].id, count.index)
  route_table_id = aws_route_table.private.id
}
