resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "db" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index + 10)
}

resource "aws_db_subnet_group" "orders" {
  name       = "orders"
  subnet_ids = aws_subnet.db[*].id
}

resource "aws_nat_gateway" "nat" {
  subnet_id = aws_subnet.public.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "10.1.0.0/16"
    vpc_peering_connection_id = "pcx-0123"
  }

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id # expect: TF-0026
  }
}

resource "aws_route_table_association" "db" {
  count          = 2
  subnet_id      = aws_subnet.db[count.index].id
  route_table_id = aws_route_table.private.id
}

# A subnet tagged as a data tier, routed to the internet gateway by a separate aws_route.
resource "aws_subnet" "cache" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.30.0/24"
  tags = {
    Name = "shop-cache-a"
  }
}

resource "aws_route_table" "cache" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "cache_default" {
  route_table_id         = aws_route_table.cache.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.gw.id # expect: TF-0026
}

resource "aws_route_table_association" "cache" {
  subnet_id      = aws_subnet.cache.id
  route_table_id = aws_route_table.cache.id
}
