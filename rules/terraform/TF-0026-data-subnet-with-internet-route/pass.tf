resource "aws_subnet" "db" {
  for_each   = { a = "10.0.10.0/24", b = "10.0.11.0/24" }
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value
}

resource "aws_db_subnet_group" "orders" {
  name       = "orders"
  subnet_ids = [for s in aws_subnet.db : s.id]
}

# Only local and VPC-endpoint routes for the data tier.
resource "aws_route_table" "data" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_vpc_endpoint.s3.id
  }
}

resource "aws_route_table_association" "db" {
  for_each       = aws_subnet.db
  subnet_id      = each.value.id
  route_table_id = aws_route_table.data.id
}

# The application tier may use the NAT gateway.
resource "aws_subnet" "app" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_route_table" "app" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id
  }
}

resource "aws_route_table_association" "app" {
  subnet_id      = aws_subnet.app.id
  route_table_id = aws_route_table.app.id
}

# A route table whose association cannot be known is not reported.
resource "aws_route_table_association" "unknown" {
  subnet_id      = var.subnet_id
  route_table_id = aws_route_table.app.id
}
